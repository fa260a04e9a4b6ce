-- Whether project $1 exists (import records that give a project id).
SELECT 1 FROM projects WHERE id = $1::integer
