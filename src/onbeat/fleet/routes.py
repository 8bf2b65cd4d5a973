"""Every fleet router, in the order they are matched."""

from onbeat.fleet.devices import api as devices_api, pages as devices_pages
from onbeat.fleet.supply import api as supply_api, pages as supply_pages

ROUTERS = [m.router for m in (supply_api, supply_pages, devices_api, devices_pages)]
