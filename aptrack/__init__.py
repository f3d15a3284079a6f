"""AP Track: the shared record of alternative provision for LAs, schools and providers."""

__version__ = "0.1.0"
