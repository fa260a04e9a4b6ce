-- One table as partition management sees it: $1 is its name (search_path applies).
-- Columns: schema, name, relkind ('r' table, 'p' partitioned, ...), whether it is a partition
-- itself, the column of a single-column RANGE partition key (NULL otherwise), and whether
-- TimescaleDB manages it as a hypertable (false when TimescaleDB is not installed).
SELECT n.nspname,
       c.relname,
       c.relkind::text,
       c.relispartition,
       (SELECT a.attname
          FROM pg_catalog.pg_partitioned_table pt
          JOIN pg_catalog.pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
         WHERE pt.partrelid = c.oid AND pt.partstrat = 'r' AND pt.partnatts = 1),
       EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'timescaledb')
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = pg_catalog.to_regclass($1)
