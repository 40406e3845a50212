"""SQL database access shared by the API and the processor."""
