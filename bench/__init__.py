"""AP Track benchmarks (`make bench`)."""
