//! Rule-set evaluation benchmark (placeholder while the engine is written).
fn main() {}
