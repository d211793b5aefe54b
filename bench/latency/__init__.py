"""`python -m bench --latency`: one user's wait and Plusofon calls per action when every call costs a round trip."""
