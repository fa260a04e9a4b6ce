-- Whether TimescaleDB manages the table $1 (schema) . $2 (name) as a hypertable. Run only when
-- the timescaledb extension exists.
SELECT EXISTS (SELECT 1 FROM timescaledb_information.hypertables
               WHERE hypertable_schema = $1 AND hypertable_name = $2)
