# task: basic_regression
# Tries to resolve a name, as any download would first.
import socket

print(socket.getaddrinfo("storage.googleapis.com", 443))
