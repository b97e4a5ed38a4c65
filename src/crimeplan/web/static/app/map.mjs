// The hotspot map: flagged cells, patrol areas and hot spots of one recorded forecast over the
// outlines (and names) of the areas around them, read as GeoJSON from the service's API.
// Without a tile server (the default) the outlines are the base map; with one (a setting of the
// service) its tiles are drawn beneath them.
const element = document.getElementById('hotspot-map')

const HOTSPOT_COLOURS = {
  new: '#f47738', persistent: '#a1002c', intermittent: '#6f4e9c', diminishing: '#5694ca'
}

function outlineStyle (feature) {
  const layer = feature.properties.layer
  return { color: '#505a5f', weight: layer === 'lsoa' ? 0.6 : 2, fill: false }
}

function cellStyle (feature) {
  const p = feature.properties
  if (p.kind === 'patrol_area') {
    return { color: '#d4351c', weight: 3, fill: false }
  }
  if (p.flagged) {
    return { color: '#d4351c', weight: 1, fillColor: '#d4351c', fillOpacity: 0.35 }
  }
  const colour = HOTSPOT_COLOURS[p.hotspot] || '#6f4e9c'
  return { color: colour, weight: 0.5, fillColor: colour, fillOpacity: 0.3 }
}

function describeCell (p) {
  if (p.kind === 'patrol_area') {
    return `Patrol area ${p.patrol_area}: ${p.cells} cells, ${p.expected.toFixed(2)} expected events`
  }
  const area = p.flagged ? `patrol area ${p.patrol_area}` : 'not flagged'
  return `Cell ${p.cell_id}: ${p.score.toFixed(3)} expected events, rank ${p.rank}, ${area}, hot spot: ${p.hotspot}`
}

async function draw () {
  const map = L.map(element, { preferCanvas: false })
  const tiles = element.dataset.tiles
  if (tiles) {
    L.tileLayer(tiles, { attribution: element.dataset.attribution, maxZoom: 19 }).addTo(map)
  }
  const response = await fetch(element.dataset.geojson, { credentials: 'same-origin' })
  if (!response.ok) {
    element.textContent = 'The forecast could not be loaded.'
    return
  }
  const data = await response.json()
  const outlines = L.geoJSON(data.outlines, {
    style: outlineStyle,
    onEachFeature: (feature, layer) => {
      const p = feature.properties
      layer.bindTooltip(p.code ? `${p.name} (${p.code})` : p.name, { sticky: true })
    }
  }).addTo(map)
  const cells = L.geoJSON(data.cells, {
    style: cellStyle,
    onEachFeature: (feature, layer) => layer.bindPopup(describeCell(feature.properties))
  }).addTo(map)
  const bounds = cells.getBounds().isValid() ? cells.getBounds() : outlines.getBounds()
  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [20, 20] })
  } else {
    map.setView([0, 0], 2)
  }
  L.control.layers(null, { 'Area outlines': outlines, 'Forecast cells': cells }).addTo(map)
  element.dataset.loaded = String(data.cells.features.length)
}

if (element) {
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', draw)
  } else {
    draw()
  }
}
