"""Discussion questions: which session a question belongs to, intake, ranking, the report."""
