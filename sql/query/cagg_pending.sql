-- Part of cagg_state.sql on TimescaleDB 2.22+: ranges a refresh is materialising right now (kept
-- in their own table): not current yet.
UNION ALL
SELECT ca.name, 'stale', m.lowest_modified_value, m.greatest_modified_value
FROM ca
JOIN _timescaledb_catalog.continuous_aggs_materialization_ranges m ON m.materialization_id = ca.mat
WHERE m.lowest_modified_value < $3 AND m.greatest_modified_value >= $2
