"""Web pages. Thin: parse the request, call a selector or service, render. Reads are scoped and
every read of a learner's record is audited; out of scope is 404."""

from .commission import commission_check, commission_start, commission_step
from .home import home, learners
from .learner_pages import learner_change, learner_detail
from .placements import placement_action, placement_detail, placement_end, referrals
from .providers import provider_detail, providers

__all__ = [
    "commission_check", "commission_start", "commission_step", "home", "learner_change",
    "learner_detail", "learners", "placement_action", "placement_detail", "placement_end",
    "provider_detail", "providers", "referrals",
]
