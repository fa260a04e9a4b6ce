-- The project a record names: $1 the repository URLs it may be stored under (text[], empty for
-- a full name), $2 its full name (owner/repo). A repo_url match wins over a full_name match.
SELECT id
FROM projects
WHERE repo_url = ANY ($1::text[]) OR full_name = $2
ORDER BY repo_url = ANY ($1::text[]) DESC, id
LIMIT 1
