"""Every module's tables, imported so Alembic and the tests see the whole schema."""

from onbeat.command import models as _command  # noqa: F401
from onbeat.core.audit import models as _audit  # noqa: F401
from onbeat.core.events import models as _events  # noqa: F401
from onbeat.core.identity import models as _identity  # noqa: F401
from onbeat.core import references as _references  # noqa: F401
from onbeat.db import Base

metadata = Base.metadata
