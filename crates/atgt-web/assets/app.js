/* atgt — progressive enhancement only. Every page must work without this file.
 *
 * (a) Maps. Any element
 *       <div class="map" data-geojson-url="/api/…"  …>fallback text/link</div>
 *       <div class="map" data-geojson='{"type":"FeatureCollection",…}' …></div>
 *     becomes a Leaflet map when vendor/leaflet.js is loaded. Optional attributes:
 *       data-tile-url="/tiles/{z}/{x}/{y}.png"  tile layer (none by default: blank
 *                                                background, no outside requests)
 *       data-tile-attribution="…"               plain text, shown when tiles are used
 *       data-tile-max-zoom="19"
 *       data-center="16.05,108.2" data-zoom="12" view when there are no features
 *       data-point-style="marker"                pins instead of circle markers
 *       data-link-text="Chi tiết"                text of the link made from properties.url
 *       data-pick-append="points"                a click appends "lon,lat" to that textarea
 *       data-error-text="…"                      shown if the GeoJSON cannot be loaded
 *     Popups use properties.name (title) and properties.popup (body), set as text,
 *     never as HTML. properties.url becomes a link only if it is a same-site path.
 *     properties.color (#rgb / #rrggbb) colours a feature.
 *     Maps inside content swapped in by htmx are initialised too.
 *
 * (b) Confirmation. A click on any button, link or input with data-confirm="…"
 *     asks window.confirm(text) first and is cancelled (including any htmx
 *     request it would trigger) when the answer is no.
 *
 * Plain ES2017, no dependencies besides Leaflet for (a).
 */
(function () {
  'use strict';

  var PRIMARY = '#0b4f8a';
  var DEFAULT_CENTER = [16.0, 106.5]; // Viet Nam
  var DEFAULT_ZOOM = 5;
  var COLOR_RE = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

  function safeColor(value) {
    return typeof value === 'string' && COLOR_RE.test(value) ? value : PRIMARY;
  }

  // Only same-site absolute paths ("/x/y"), never "//host", "javascript:" etc.
  function safePath(value) {
    if (typeof value !== 'string') return null;
    if (value.charAt(0) !== '/' || value.charAt(1) === '/' || value.charAt(1) === '\\') return null;
    return value;
  }

  function textOf(value) {
    if (value === null || value === undefined) return '';
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return '';
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  // Builds popup content as DOM nodes with textContent: data is never parsed as HTML.
  function popupFor(feature, linkText) {
    var props = (feature && feature.properties) || {};
    var name = textOf(props.name);
    var body = textOf(props.popup);
    var url = safePath(props.url);
    if (!name && !body && !url) return null;

    var root = document.createElement('div');
    if (name) {
      var title = document.createElement('strong');
      title.textContent = name;
      root.appendChild(title);
    }
    if (body) {
      var p = document.createElement('div');
      p.className = 'popup-body';
      p.textContent = body;
      root.appendChild(p);
    }
    if (url) {
      var a = document.createElement('a');
      a.href = url;
      a.textContent = linkText || 'Chi tiết';
      root.appendChild(a);
    }
    return root;
  }

  function parseCenter(el) {
    var raw = el.getAttribute('data-center');
    if (!raw) return DEFAULT_CENTER;
    var parts = raw.split(',').map(Number);
    if (parts.length === 2 && isFinite(parts[0]) && isFinite(parts[1])) return parts;
    return DEFAULT_CENTER;
  }

  function intAttr(el, name, fallback) {
    var n = parseInt(el.getAttribute(name), 10);
    return isFinite(n) ? n : fallback;
  }

  function showMapMessage(el, text) {
    var box = document.createElement('div');
    box.className = 'leaflet-control alert alert-error';
    box.setAttribute('role', 'status');
    box.style.margin = '.5rem';
    box.textContent = text;
    var corner = el.querySelector('.leaflet-top.leaflet-left');
    (corner || el).appendChild(box);
  }

  function loadGeoJson(el) {
    var inline = el.getAttribute('data-geojson');
    if (inline) {
      return new Promise(function (resolve) { resolve(JSON.parse(inline)); });
    }
    var url = el.getAttribute('data-geojson-url');
    if (!url) return Promise.resolve(null);
    return fetch(url, {
      credentials: 'same-origin',
      headers: { Accept: 'application/geo+json, application/json' }
    }).then(function (res) {
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    });
  }

  function initMap(el) {
    var L = window.L;
    if (!L || el.__atgtMap) return;
    if (!el.hasAttribute('data-geojson') && !el.hasAttribute('data-geojson-url')) return;

    // Remove the no-JS fallback content before Leaflet takes the element over.
    while (el.firstChild) el.removeChild(el.firstChild);

    var tileUrl = el.getAttribute('data-tile-url');
    var map = L.map(el, {
      attributionControl: !!tileUrl,
      scrollWheelZoom: false,     // do not hijack page scrolling; enabled on focus/click
      zoomSnap: 0.5
    });
    el.__atgtMap = map;
    map.setView(parseCenter(el), intAttr(el, 'data-zoom', DEFAULT_ZOOM));
    map.on('focus click', function () { map.scrollWheelZoom.enable(); });
    map.on('blur', function () { map.scrollWheelZoom.disable(); });

    if (tileUrl) {
      var attribution = el.getAttribute('data-tile-attribution');
      L.tileLayer(tileUrl, {
        maxZoom: intAttr(el, 'data-tile-max-zoom', 19),
        attribution: attribution ? escapeHtml(attribution) : ''
      }).addTo(map);
    }
    L.control.scale({ imperial: false, metric: true }).addTo(map);

    var pins = el.getAttribute('data-point-style') === 'marker';
    // Crash points are coloured by their legal class.
    var CLASS_COLORS = {
      dac_biet_nghiem_trong: '#7a0010', rat_nghiem_trong: '#b42318', nghiem_trong: '#e4572e',
      it_nghiem_trong: '#f0a202', va_cham: '#6b7785'
    };

    var extra = el.getAttribute('data-extra-geojson-url');
    if (extra && extra.charAt(0) === '/') {
      fetch(extra, { credentials: 'same-origin' }).then(function (res) {
        return res.ok ? res.json() : null;
      }).then(function (data) {
        if (!data) return;
        var bg = L.geoJSON(data, {
          style: function (f) {
            return { color: safeColor(f && f.properties && f.properties.color), weight: 2, opacity: 0.6 };
          },
          interactive: false
        }).addTo(map);
        bg.bringToBack();
      }).catch(function () {});
    }

    // A picker: a click on the map fills the named longitude/latitude inputs.
    var pickLon = el.getAttribute('data-pick-lon');
    var pickLat = el.getAttribute('data-pick-lat');
    if (pickLon && pickLat) {
      var marker = null;
      map.on('click', function (ev) {
        var lon = document.getElementById(pickLon);
        var lat = document.getElementById(pickLat);
        if (!lon || !lat) return;
        lon.value = ev.latlng.lng.toFixed(6);
        lat.value = ev.latlng.lat.toFixed(6);
        if (marker) marker.setLatLng(ev.latlng); else marker = L.marker(ev.latlng).addTo(map);
      });
    }
    // events (issue 10): a click appends "lon,lat" as a new line of the named
    // textarea (the points of a diversion plan) and draws the line so far.
    var pickAppend = el.getAttribute('data-pick-append');
    if (pickAppend) {
      var drawn = null;
      map.on('click', function (ev) {
        var box = document.getElementById(pickAppend);
        if (!box) return;
        var line = ev.latlng.lng.toFixed(6) + ',' + ev.latlng.lat.toFixed(6);
        box.value = (box.value && !/\n$/.test(box.value) ? box.value + '\n' : box.value) + line + '\n';
        var pts = box.value.split('\n').map(function (l) { return l.split(',').map(Number); })
          .filter(function (p) { return p.length === 2 && isFinite(p[0]) && isFinite(p[1]); })
          .map(function (p) { return [p[1], p[0]]; });
        if (drawn) map.removeLayer(drawn);
        drawn = pts.length > 1 ? L.polyline(pts, { color: '#1f6feb', weight: 4 }).addTo(map)
          : L.circleMarker(pts[0], { radius: 6 }).addTo(map);
      });
    }
    var linkText = el.getAttribute('data-link-text');

    loadGeoJson(el).then(function (data) {
      if (!data) return;
      var layer = L.geoJSON(data, {
        style: function (feature) {
          var props = (feature && feature.properties) || {};
          var c = safeColor(props.color || CLASS_COLORS[props['class']]);
          var type = feature && feature.geometry && feature.geometry.type;
          if (type === 'Point' || type === 'MultiPoint') {
            return { color: '#ffffff', weight: 2, opacity: 1, fillColor: c, fillOpacity: 0.9 };
          }
          return { color: c, weight: 3, opacity: 0.9, fillColor: c, fillOpacity: 0.2 };
        },
        pointToLayer: function (feature, latlng) {
          if (pins) return L.marker(latlng, { keyboard: true });
          return L.circleMarker(latlng, { radius: 7 });
        },
        onEachFeature: function (feature, lyr) {
          var content = popupFor(feature, linkText);
          if (content) lyr.bindPopup(content);
          var name = textOf(feature && feature.properties && feature.properties.name);
          if (name && lyr.bindTooltip && !pins) lyr.bindTooltip(name);
        }
      }).addTo(map);

      var bounds = layer.getBounds();
      if (bounds.isValid()) {
        map.fitBounds(bounds, { padding: [24, 24], maxZoom: intAttr(el, 'data-max-zoom', 16) });
      }
    }).catch(function (err) {
      if (window.console) console.warn('atgt map:', err);
      showMapMessage(el, el.getAttribute('data-error-text') || 'Không tải được dữ liệu bản đồ.');
    });

    // The container may have been hidden (tabs, <details>) when measured.
    if (window.ResizeObserver) {
      new ResizeObserver(function () { map.invalidateSize(); }).observe(el);
    }
  }

  function initMaps(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var list = scope.querySelectorAll('.map[data-geojson], .map[data-geojson-url]');
    for (var i = 0; i < list.length; i++) initMap(list[i]);
    if (scope.matches && scope.matches('.map[data-geojson], .map[data-geojson-url]')) initMap(scope);
  }

  // Capture phase: runs before handlers on the element itself (e.g. htmx), so a
  // "no" stops both the default action and any htmx request.
  document.addEventListener('click', function (ev) {
    var target = ev.target && ev.target.closest ? ev.target.closest('[data-confirm]') : null;
    if (!target || target.disabled) return;
    var message = target.getAttribute('data-confirm');
    if (message && !window.confirm(message)) {
      ev.preventDefault();
      ev.stopPropagation();
      ev.stopImmediatePropagation();
    }
  }, true);

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', function () { initMaps(document); });
  } else {
    initMaps(document);
  }
  // htmx fires htmx:load on every piece of content it inserts.
  document.addEventListener('htmx:load', function (ev) { initMaps(ev.target); });
})();
