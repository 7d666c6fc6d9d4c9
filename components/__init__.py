"""Reusable pieces of the pages: KPI cards, freshness badges, filters, the map, figure builders."""
