"""The one exception the lab raises for things a user can fix."""


class LabError(Exception):
    """A failure a user can act on. Its text is one sentence: what is wrong
    and how to fix it. Entry points print it without a traceback."""
