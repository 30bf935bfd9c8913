"""User-facing interfaces: cli/, web/, telegram/. Thin: parse input, call services, render."""
