"""Results: SQL aggregation, consensus rules, workbook and CSV export."""
