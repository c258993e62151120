// Template over {{type}}: delete every relationship of that type (tests, benchmarks).
// No parameters.
MATCH ()-[r:{{type}}]->()
DELETE r
