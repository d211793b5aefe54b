"""Services: what the bot does with an account, between the handlers above and the infrastructure below."""
