-- A project for import --create-projects: $1 name, $2 full name, $3 repository URL, $4 owner,
-- $5 repository name. No row back when another session created it first (then look it up).
INSERT INTO projects (name, full_name, repo_url, repo_owner, repo_name)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING
RETURNING id
