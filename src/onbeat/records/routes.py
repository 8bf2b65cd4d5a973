"""Every records router, in the order they are matched."""

from onbeat.records.collisions import api as collisions_api, pages as collisions_pages
from onbeat.records.core import api as core_api, pages as core_pages
from onbeat.records.crime import api as crime_api, pages as crime_pages
from onbeat.records.evidence import api as evidence_api, pages as evidence_pages
from onbeat.records.interviews import api as interviews_api, pages as interviews_pages
from onbeat.records.merges import api as merges_api, pages as merges_pages
from onbeat.records.notebook import api as notebook_api, pages as notebook_pages
from onbeat.records.pole import api as pole_api, pages as pole_pages
from onbeat.records.statements import api as statements_api, pages as statements_pages
from onbeat.records.stopsearch import api as stopsearch_api, pages as stopsearch_pages
from onbeat.records.suggest import api as suggest_api, pages as suggest_pages

# Each kind's routes come before core's `/api/records/{record_id}` so their fixed paths win.
ROUTERS = [m.router for m in (
    suggest_api, suggest_pages, merges_api, merges_pages, pole_api, pole_pages, statements_api, statements_pages, notebook_api, notebook_pages,
    stopsearch_api, stopsearch_pages, interviews_api, interviews_pages, crime_api, crime_pages,
    collisions_api, collisions_pages, evidence_api, evidence_pages, core_api, core_pages,
)]
