import Router
print("hookrouter")
