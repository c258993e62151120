// Template over {{label}} (LadybugDB only): the columns of a node or relationship table,
// to add the ones a newer GraphSchema defines. No parameters. Returns name.
CALL table_info('{{label}}') RETURN name
