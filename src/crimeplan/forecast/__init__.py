"""Hotspot forecasting: grids, models sharing one fit/predict contract, metrics, backtests."""
