"""Every model, imported in one place for Alembic and the app factory."""

from service.accounts.models import User
from service.articles.models import Article, Block, Segment
from service.glossary.models import GlossaryTerm
from service.history import Event
from service.publishing.models import LanguageVersion, Snapshot
from service.review.models import Assignment, Comment, Presence
from service.translation.memory import TMUnit
from service.translation.models import Translation
from service.translation.tm_policy import TMPolicy

__all__ = ["Article", "Assignment", "Block", "Comment", "Event", "GlossaryTerm", "LanguageVersion", "Presence",
           "Segment", "Snapshot", "TMPolicy", "TMUnit", "Translation", "User"]
