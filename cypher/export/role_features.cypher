// Numeric attributes of every Role, for the PyG export (null where unknown).
// No parameters. Returns id, capacity, remote.
MATCH (n:Role)
RETURN n.id AS id,
       n.capacity AS capacity,
       n.remote AS remote
