"""`python -m service` is the same as the `onetoone` command."""

from service.launch import main

if __name__ == "__main__":
    main()
