"""Device fleet: enrolled devices, their credentials, check-ins, the command queue, compliance, remote diagnosis, lost or stolen."""
