"""IT service desk (ITIL): incidents, problems, changes, requests, SLAs and the CMDB."""
