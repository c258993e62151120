// The node and relationship tables of the database (LadybugDB only). No parameters.
// Returns name.
CALL show_tables() RETURN name
