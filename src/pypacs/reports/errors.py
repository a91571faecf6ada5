"""What can be wrong with a document the viewer sends, or with a stored one pypacs is asked to read.

The web edge answers InvalidContent with 400 and UnreadableDocument with 422, each with the message.
"""


class ReportError(Exception):
    """Base of the errors of reports/."""


class InvalidContent(ReportError, ValueError):
    """A description cannot become a document: references outside the study, malformed graphics, bad codes."""


class UnreadableDocument(ReportError):
    """A stored document is not what pypacs can read into JSON (not the SOP class or template expected)."""
