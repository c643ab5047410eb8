//! Roads and railways as GeoJSON (opens in QGIS and Leaflet).

use crate::error::AppResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

/// The locality's roads and railways as a GeoJSON FeatureCollection (WGS84 lon/lat).
#[utoipa::path(get, path = "/api/v1/roads", tag = "reference",
    responses((status = 200, description = "GeoJSON FeatureCollection of LineStrings", content_type = "application/geo+json")),
    security(("session" = []), ("api_key" = ["reference:read"])))]
pub async fn list(
    State(st): State<AppState>,
) -> AppResult<([(axum::http::HeaderName, &'static str); 1], Json<Value>)> {
    let roads = st.store.roads().await?;
    let features: Vec<Value> = roads
        .iter()
        .map(|r| {
            json!({
                "type": "Feature",
                "id": r.id,
                "geometry": {"type": "LineString", "coordinates": r.line},
                "properties": {
                    "code": r.code,
                    "name": format!("{} ({})", r.name, r.code),
                    "kind": r.kind,
                    "km_start": r.km_start,
                    "km_end": (r.chainage().km_end() * 1000.0).round() / 1000.0,
                    "color": match r.kind.as_str() { "national" | "expressway" => "#b42318", "railway" => "#1b2430", _ => "#0b4f8a" },
                    "note": r.note,
                }
            })
        })
        .collect();
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/geo+json")],
        Json(json!({"type": "FeatureCollection", "features": features})),
    ))
}
