-- The projects --project can name (by id, full name or repository URL: lib/query/filters.cpp).
SELECT id, full_name, repo_url
FROM projects
ORDER BY id
