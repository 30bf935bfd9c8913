"""Use-cases every interface calls. They own transactions and event publishing."""
