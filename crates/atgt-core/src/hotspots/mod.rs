//! Black-spot and potential-spot screening ("điểm hay xảy ra tai nạn giao thông",
//! formerly "điểm đen", and "điểm tiềm ẩn tai nạn giao thông"): the legal rule of
//! Circular 41/2024/TT-BGTVT Article 14 as dated rule data, ranking methods (sliding
//! window with peak search, frequency, EPDO, crash rate, Empirical Bayes), spatial
//! clustering (DBSCAN in metres) and kernel density. Pure: no IO.

pub mod dbscan;
pub mod lifecycle;
pub mod rank;
pub mod rules;

#[cfg(test)]
mod tests;
