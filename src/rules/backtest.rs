//! Backtesting: placeholder.
