"""The public: online reporting, case tracking for victims, where officers are working."""
