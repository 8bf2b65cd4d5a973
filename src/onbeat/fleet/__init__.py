"""Device fleet: role profiles, build-and-deliver queue, enrolment, check-in and commands."""
