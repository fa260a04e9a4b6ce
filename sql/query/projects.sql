-- The projects --project can name (by id, full name or repository URL: lib/query/filters.cpp).
-- One statement without a trailing semicolon: lib/query/reader.cpp also runs it as a subquery.
SELECT id, full_name, repo_url
FROM projects
ORDER BY id
