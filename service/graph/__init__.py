"""Everything that talks to Microsoft: auth, the Graph client, the sandbox tenant."""
