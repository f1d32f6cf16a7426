"""Query stage: the query language (`language`), BM25 ranking over cached postings
(`scoring`), escaped highlights (`highlight`) and facet counts (`facets`)."""
