"""Command and control: contacts, THRIVE grading, incidents, resources and dispatch.

The foundation holds only the resources (units and their crews) so the demo force has them;
the command-and-control issue builds the rest here.
"""
