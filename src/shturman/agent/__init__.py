"""The thinking: intents, analysis, planning and the run loop."""
