"""`onbeat-agent`: a reference device agent that enrols, checks in, runs commands and reports results."""
