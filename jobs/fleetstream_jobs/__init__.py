"""fleetstream batch analytics: plain functions over Spark DataFrames, called by batch_analytics.py."""
