"""`python -m bench --latency`: one user's wait and Plusofon calls per action, each call costing a round
trip."""
