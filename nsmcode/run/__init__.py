"""Running metrics: connections (embedded DuckDB, warehouses by profile), batched execution,
result output, and OKR/KPI status. Engines and drivers are imported only when used."""
