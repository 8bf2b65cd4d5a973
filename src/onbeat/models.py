"""Every module's tables, imported so Alembic and the tests see the whole schema."""

from onbeat.command import models as _command  # noqa: F401
from onbeat.core.audit import models as _audit  # noqa: F401
from onbeat.core.events import models as _events  # noqa: F401
from onbeat.core.identity import models as _identity  # noqa: F401
from onbeat.core import references as _references  # noqa: F401
from onbeat.fleet.devices import models as _fleet_devices  # noqa: F401
from onbeat.fleet.supply import models as _fleet_supply  # noqa: F401
from onbeat.records.collisions import models as _collisions  # noqa: F401
from onbeat.records.core import models as _records  # noqa: F401
from onbeat.records.crime import models as _crime  # noqa: F401
from onbeat.records.evidence import models as _evidence  # noqa: F401
from onbeat.records.interviews import models as _interviews  # noqa: F401
from onbeat.records.matching import models as _matching  # noqa: F401
from onbeat.records.merges import models as _merges  # noqa: F401
from onbeat.records.notebook import models as _notebook  # noqa: F401
from onbeat.records.pole import models as _pole  # noqa: F401
from onbeat.records.statements import models as _statements  # noqa: F401
from onbeat.records.stopsearch import models as _stopsearch  # noqa: F401
from onbeat.records.suggest import models as _suggest  # noqa: F401
from onbeat.db import Base

metadata = Base.metadata
