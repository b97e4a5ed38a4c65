"""crimeplan: crime analysis, honest hotspot forecasting and governed risk tools for policing."""

__version__ = "0.1.0"
