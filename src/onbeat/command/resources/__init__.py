"""Resources: unit status, crews and live locations from devices."""
