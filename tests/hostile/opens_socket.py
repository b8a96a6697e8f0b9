# task: basic_regression
# Tries to reach the internet by address (no DNS needed).
import socket

connection = socket.create_connection(("1.1.1.1", 443), timeout=5)
connection.sendall(b"GET / HTTP/1.0\r\n\r\n")
