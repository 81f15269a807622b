DROP TABLE income_totals;
